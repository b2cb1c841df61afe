from django import forms
from django.utils.translation import gettext_lazy as _

from itplus.store.catalog.importing import MAX_FILE_BYTES


class PriceListUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Archivo"),
        help_text=_("CSV (separado por ; o ,) o Excel .xlsx, con una fila de encabezados."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.xlsx"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("El archivo pesa más de %(mb)d MB."),
                params={"mb": MAX_FILE_BYTES // (1024 * 1024)},
            )
        return upload
