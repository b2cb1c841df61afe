"""Customers (with RUT) and their store-credit account ("fiado" / cuenta corriente)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from itplus.core.chile import InvalidRut, rut_format
from itplus.core.money import format_clp

# The SII's RUT for the anonymous final consumer, used on boletas without a customer.
FINAL_CONSUMER_RUT = "66666666-6"

# What a factura states about its buyer (the DTE's Receptor): RUT, razón social, giro,
# dirección and comuna. The name field holds the razón social of a company.
FACTURA_BUYER_FIELDS = ("rut", "name", "giro", "address", "comuna")


class Customer(models.Model):
    # Stored clean ("12345678-5"); shown formatted ("12.345.678-5").
    rut = models.CharField(_("RUT"), max_length=12, unique=True)
    name = models.CharField(_("nombre o razón social"), max_length=120, db_index=True)
    # The name folded (lower case, no accents) for search: "munoz" finds "Muñoz".
    search_text = models.CharField(max_length=120, blank=True, db_index=True, editable=False)
    giro = models.CharField(_("giro"), max_length=120, blank=True)
    address = models.CharField(_("dirección"), max_length=160, blank=True)
    comuna = models.CharField(_("comuna"), max_length=60, blank=True)
    email = models.EmailField(_("correo"), blank=True)
    phone = models.CharField(_("teléfono"), max_length=30, blank=True)
    # Store credit: how much the customer may owe, and how much they owe now (kept equal
    # to the sum of their account entries, under a row lock).
    credit_limit_clp = models.BigIntegerField(_("cupo de crédito"), default=0)
    balance_clp = models.BigIntegerField(_("deuda"), default=0)
    is_active = models.BooleanField(_("activo"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("cliente")
        verbose_name_plural = _("clientes")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(credit_limit_clp__gte=0), name="customer_credit_limit_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_final_consumer(self) -> bool:
        return self.rut == FINAL_CONSUMER_RUT

    @property
    def rut_display(self) -> str:
        """ "12.345.678-5", as the SII prints it."""
        try:
            return rut_format(self.rut)
        except InvalidRut:  # a row written around the services: show it as stored
            return self.rut

    @property
    def factura_missing_fields(self) -> list[str]:
        """The buyer fields a factura needs that this customer lacks ([] when complete)."""
        if self.is_final_consumer:
            return list(FACTURA_BUYER_FIELDS)
        return [name for name in FACTURA_BUYER_FIELDS if not (getattr(self, name) or "").strip()]

    @property
    def available_credit_clp(self) -> int:
        """What may still be charged to the account (a balance in favour adds to it)."""
        return max(self.credit_limit_clp - self.balance_clp, 0)


class AccountEntry(models.Model):
    """One movement of a customer's store-credit account: + charges (a sale on credit),
    − payments and credits (a payment, a return credited to the account)."""

    class Kind(models.TextChoices):
        CHARGE = "cargo", _("Cargo (venta fiada)")
        PAYMENT = "abono", _("Abono (pago)")
        CREDIT = "nota_credito", _("Crédito por devolución")

    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="entries", verbose_name=_("cliente")
    )
    kind = models.CharField(_("tipo"), max_length=20, choices=Kind.choices)
    amount_clp = models.BigIntegerField(_("monto"))
    balance_after_clp = models.BigIntegerField(_("saldo"))
    # How a payment was made (efectivo, débito, transferencia…); blank for charges.
    method = models.CharField(_("medio de pago"), max_length=20, blank=True)
    terminal = models.ForeignKey(
        "terminals.Terminal",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("caja"),
    )
    # A cash payment at a till enters the drawer: the cash movement it made.
    cash_movement = models.OneToOneField(
        "cash.CashMovement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="account_entry",
        verbose_name=_("movimiento de caja"),
    )
    sale = models.ForeignKey(
        "sales.Sale",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("venta"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("usuario"),
    )
    reason = models.CharField(_("detalle"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("fecha"))

    class Meta:
        verbose_name = _("movimiento de cuenta corriente")
        verbose_name_plural = _("movimientos de cuenta corriente")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["customer", "created_at", "id"])]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_clp=0), name="account_entry_not_zero"),
            # Charges add to the debt; payments and credits reduce it.
            models.CheckConstraint(
                condition=(
                    Q(kind="cargo", amount_clp__gt=0) | Q(~Q(kind="cargo"), amount_clp__lt=0)
                ),
                name="account_entry_sign_by_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {format_clp(self.amount_clp)} — {self.customer}"

    @property
    def charge_clp(self) -> int:
        return self.amount_clp if self.amount_clp > 0 else 0

    @property
    def payment_clp(self) -> int:
        return -self.amount_clp if self.amount_clp < 0 else 0
