"""Widgets shared by every area of the UI, one per file. Each draws stored text literally
(never as markup) and shows control characters visibly."""

from screens.components.entry_list import EntryList
from screens.components.handed import Handed
from screens.components.header import AppHeader
from screens.components.key_bar import KeyBar
from screens.components.key_choice import KeyChoice
from screens.components.key_toggles import KeyToggles
from screens.components.plain import Plain
from screens.components.safe_input import SafeInput
from screens.components.safe_text_area import SafeTextArea
from screens.components.text import cell, fit_columns, literal, protection_cell

__all__ = [
    "AppHeader", "EntryList", "Handed", "KeyBar", "KeyChoice", "KeyToggles", "Plain", "SafeInput",
    "SafeTextArea", "cell", "fit_columns", "literal", "protection_cell",
]
