"""Twilio Studio flows brought over: `sce import twilio-studio` and the designer's import.

imported = convert(json.loads(text), flow_id="support_line", source="flow.json")
imported.document      # our flow document (what `sce lint` and the runtime take)
imported.report        # every widget and what became of it, warnings, what needs a person
"""

from sce.studio.convert import Imported, convert

__all__ = ["Imported", "convert"]
