from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class TermsVersion(models.Model):
    """One published version of the service terms. Never edited: a change is a new row."""

    # The terms document this is a version of (Service.terms_document): each service
    # has the terms that fit it, and each document keeps every version it published.
    document = models.SlugField(_("documento"), max_length=40, default="reinstalacion")
    version = models.CharField(_("versión"), max_length=20)
    title = models.CharField(_("título"), max_length=200)
    body = models.TextField(_("texto"))
    # [{"code", "kind": "obligation"|"acknowledgement", "scope": "all"|"remote", "text"}]
    clauses = models.JSONField(_("cláusulas que el cliente marca"))
    published_at = models.DateTimeField(_("publicada"))

    class Meta:
        ordering = ["-published_at"]
        get_latest_by = "published_at"
        verbose_name = _("versión de los términos")
        verbose_name_plural = _("versiones de los términos")
        constraints = [
            models.UniqueConstraint(fields=["document", "version"], name="terms_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.version})"


class Order(models.Model):
    class State(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", _("Esperando pago")
        AWAITING_TRANSFER = "awaiting_transfer", _("Esperando transferencia")
        PAID = "paid", _("Pagado")
        PAYMENT_FAILED = "payment_failed", _("Pago no realizado")
        REFUNDED = "refunded", _("Reembolsado")

    class InstallationType(models.TextChoices):
        SERVER = "server", _("Servidor (guarda la base de datos y los reportes)")
        TERMINAL = "terminal", _("Terminal o caja conectada a un servidor")
        STANDALONE = "standalone", _("Equipo único (sin red)")

    code = models.CharField(_("código"), max_length=12, unique=True)
    # The guest's key to the order page: the code alone is printed on e-mails and
    # said on the phone, so it must not open the customer's data.
    access_key = models.CharField(max_length=32, unique=True, editable=False)
    service = models.ForeignKey(
        "helpdesk_services.Service", verbose_name=_("servicio"), on_delete=models.PROTECT
    )
    price_clp = models.BigIntegerField(_("precio (CLP)"))
    state = models.CharField(
        _("estado"), max_length=20, choices=State.choices, default=State.AWAITING_PAYMENT
    )
    payment_method = models.CharField(_("medio de pago"), max_length=20, blank=True)

    customer_name = models.CharField(_("nombre"), max_length=120)
    customer_rut = models.CharField(_("RUT"), max_length=12)
    email = models.EmailField(_("correo electrónico"))
    phone = models.CharField(_("teléfono"), max_length=30)
    business_name = models.CharField(_("nombre del negocio"), max_length=120)
    address = models.CharField(_("dirección"), max_length=200)
    comuna = models.CharField(_("comuna"), max_length=60)
    installation_type = models.CharField(
        _("tipo de instalación"), max_length=12, choices=InstallationType.choices, blank=True
    )
    virus_suspected = models.BooleanField(_("sospecha de virus"), null=True, blank=True)
    notes = models.TextField(_("comentarios del cliente"), blank=True)

    created_at = models.DateTimeField(_("creado"), auto_now_add=True)
    paid_at = models.DateTimeField(_("pagado"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pedido")
        verbose_name_plural = _("pedidos")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_clp__gt=0), name="order_price_positive"
            ),
            # PAID (and REFUNDED, which was paid first) always carry the payment time.
            models.CheckConstraint(
                condition=~models.Q(state__in=["paid", "refunded"])
                | models.Q(paid_at__isnull=False),
                name="order_paid_has_paid_at",
            ),
        ]
        indexes = [models.Index(fields=["state", "created_at"])]

    def __str__(self) -> str:
        return f"{self.code} · {self.service}"

    @property
    def is_paid(self) -> bool:
        return self.state == self.State.PAID

    @property
    def can_pay(self) -> bool:
        return self.state in (
            self.State.AWAITING_PAYMENT,
            self.State.AWAITING_TRANSFER,
            self.State.PAYMENT_FAILED,
        )


class TermsAcceptance(models.Model):
    """Evidence that the customer accepted a terms version for an order (S8, S9)."""

    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="terms_acceptance", verbose_name=_("pedido")
    )
    terms = models.ForeignKey(TermsVersion, verbose_name=_("términos"), on_delete=models.PROTECT)
    accepted_at = models.DateTimeField(_("aceptado"))
    ip_address = models.GenericIPAddressField(_("dirección IP"), null=True, blank=True)
    user_agent = models.CharField(_("navegador"), max_length=300, blank=True)
    # The exact clause texts the customer ticked, as shown (with the service's minutes).
    accepted_clauses = models.JSONField(_("cláusulas marcadas"))

    class Meta:
        verbose_name = _("aceptación de términos")
        verbose_name_plural = _("aceptaciones de términos")

    def __str__(self) -> str:
        return f"{self.order.code} · {self.terms.version}"


class CallbackRequest(models.Model):
    """A paid customer asked to be called: the technicians' queue, oldest first (S2)."""

    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="callback", verbose_name=_("pedido")
    )
    phone = models.CharField(_("teléfono"), max_length=30)
    requested_at = models.DateTimeField(_("solicitado"))
    done_at = models.DateTimeField(_("llamado"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("atendido por"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    note = models.TextField(_("nota del técnico"), blank=True)

    class Meta:
        ordering = ["requested_at"]
        verbose_name = _("solicitud de llamada")
        verbose_name_plural = _("cola de llamadas")
        indexes = [models.Index(fields=["done_at", "requested_at"])]

    def __str__(self) -> str:
        return f"{self.order.code} · {self.phone}"
