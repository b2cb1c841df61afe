from django.db import models
from django.utils.translation import gettext_lazy as _

REINSTALL_TERMS = "reinstalacion"
SUPPORT_TERMS = "soporte"


class Service(models.Model):
    """One support service sold online, each with its own "Comprar" button (S12)."""

    code = models.SlugField(_("código"), max_length=40, unique=True)
    name = models.CharField(_("nombre"), max_length=120)
    description = models.TextField(_("descripción"))
    price_clp = models.BigIntegerField(_("precio (CLP, IVA incluido)"))
    duration_minutes = models.PositiveIntegerField(_("duración (minutos)"))
    on_site = models.BooleanField(
        _("en terreno"), default=False, help_text=_("Solo se vende en comunas del Gran Santiago.")
    )
    about_store_software = models.BooleanField(
        _("sobre el software de punto de venta"),
        default=False,
        help_text=_("Pide el tipo de instalación y si se sospecha de un virus."),
    )
    remote_alternative = models.ForeignKey(
        "self",
        verbose_name=_("alternativa remota"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        help_text=_("Se ofrece cuando la comuna está fuera del área de atención en terreno."),
    )
    # Which terms the customer accepts when buying it (a document of the orders app,
    # each with its own published versions): the reinstall terms or the support terms.
    terms_document = models.SlugField(
        _("términos"),
        max_length=40,
        default=REINSTALL_TERMS,
        help_text=_(
            "reinstalacion: términos de reinstalación; soporte: soporte y servicio técnico."
        ),
    )
    active = models.BooleanField(_("a la venta"), default=True)
    position = models.PositiveSmallIntegerField(_("orden"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("servicio")
        verbose_name_plural = _("servicios")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_clp__gt=0), name="service_price_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gt=0), name="service_duration_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name
