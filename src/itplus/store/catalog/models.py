"""Catalog: categories, products and their barcodes."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from itplus.core.barcodes import is_gs1_shaped, is_valid_gs1


class Category(models.Model):
    name = models.CharField(_("nombre"), max_length=80, unique=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("categoría padre"),
    )

    class Meta:
        verbose_name = _("categoría")
        verbose_name_plural = _("categorías")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SaleUnit(models.TextChoices):
    UNIT = "unidad", _("Unidad")
    KILO = "kg", _("Kilogramo (a granel)")


class IlaTax(models.TextChoices):
    NONE = "", _("Sin ILA")
    ILA_10 = "ila_10", _("ILA 10% (bebidas analcohólicas)")
    ILA_18 = "ila_18", _("ILA 18% (bebidas analcohólicas azucaradas)")
    ILA_205 = "ila_205", _("ILA 20,5% (vinos, cervezas)")
    ILA_315 = "ila_315", _("ILA 31,5% (licores)")


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=40, unique=True)
    name = models.CharField(_("nombre"), max_length=120, db_index=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="products",
        verbose_name=_("categoría"),
    )
    unit = models.CharField(
        _("unidad de venta"), max_length=10, choices=SaleUnit.choices, default=SaleUnit.UNIT
    )
    # Tax-included price per unit or per kg, in whole pesos.
    price_clp = models.BigIntegerField(_("precio (IVA incl.)"), validators=[MinValueValidator(0)])
    cost_clp = models.BigIntegerField(_("costo neto"), default=0, validators=[MinValueValidator(0)])
    is_exempt = models.BooleanField(_("exento de IVA"), default=False)
    ila_tax = models.CharField(
        _("impuesto adicional (ILA)"),
        max_length=10,
        choices=IlaTax.choices,
        blank=True,
        default=IlaTax.NONE,
    )
    # Code the deli scale prints inside price/weight EAN-13s (e.g. "01234").
    scale_code = models.CharField(
        _("código de balanza"), max_length=6, blank=True, default="", db_index=True
    )
    is_active = models.BooleanField(_("activo"), default=True)
    # Lower-cased name without accents, for fast search-as-you-type.
    search_text = models.CharField(max_length=200, editable=False, db_index=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Where this product's latest change sits in the catalogue's change order (unique,
    # increasing; catalog.services.catalog_changes_record sets it): the offline till
    # asks for the products changed after the last number it has.
    change_number = models.BigIntegerField(default=0, editable=False, db_index=True)

    class Meta:
        verbose_name = _("producto")
        verbose_name_plural = _("productos")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(price_clp__gte=0), name="product_price_not_negative"
            ),
            models.CheckConstraint(
                condition=~(Q(is_exempt=True) & ~Q(ila_tax="")), name="product_exempt_without_ila"
            ),
            models.UniqueConstraint(
                fields=["scale_code"], condition=~Q(scale_code=""), name="product_scale_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_weighed(self) -> bool:
        return self.unit == SaleUnit.KILO

    def clean(self) -> None:
        if self.is_exempt and self.ila_tax:
            raise ValidationError(_("Un producto exento de IVA no puede llevar ILA."))
        if self.scale_code and self.price_clp == 0:
            # Every deli-scale label for it would be worth $0, and the till refuses those.
            raise ValidationError(
                {
                    "price_clp": _(
                        "Un producto con código de balanza necesita un precio por kg mayor que $0."
                    )
                }
            )


class CatalogCounter(models.Model):
    """One row: the highest change number handed out to a product so far."""

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("contador de cambios del catálogo")

    def __str__(self) -> str:
        return str(self.value)


def validate_barcode(code: str) -> None:
    if not code or not code.strip():
        raise ValidationError(_("El código de barras no puede estar vacío."))
    if not code.isalnum():
        raise ValidationError(
            _("El código de barras «%(code)s» solo puede tener letras y números."),
            params={"code": code},
        )
    if is_gs1_shaped(code) and not is_valid_gs1(code):
        raise ValidationError(
            _("El código «%(code)s» no es un EAN/UPC válido: el dígito verificador no calza."),
            params={"code": code},
        )


class Barcode(models.Model):
    """One of a product's codes: EAN-13/EAN-8/UPC-A (check digit validated) or internal."""

    product = models.ForeignKey(
        Product, on_delete=models.CASCADE, related_name="barcodes", verbose_name=_("producto")
    )
    code = models.CharField(_("código"), max_length=32, unique=True, validators=[validate_barcode])

    class Meta:
        verbose_name = _("código de barras")
        verbose_name_plural = _("códigos de barras")

    def __str__(self) -> str:
        return self.code


def quantity_field(verbose_name, **kwargs) -> models.DecimalField:
    """Quantities: whole units or kilograms with 3 decimals (grams)."""
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=3, **kwargs)


ONE = Decimal("1.000")
