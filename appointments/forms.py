"""The look-up's form: an ID number and a booking reference."""

from vaksin import validation
from vaksin.forms import Answer, StepForm, refusal


class LookupForm(StepForm):
    id_number = Answer()
    reference = Answer()

    def clean_id_number(self) -> str:
        typed = self.cleaned_data["id_number"]
        if not typed.strip():
            raise refusal("lookup_id_missing")
        return validation.compact_id_number(typed)

    def clean_reference(self) -> str:
        typed = self.cleaned_data["reference"]
        if not typed.strip():
            raise refusal("lookup_reference_missing")
        return typed.strip()
