"""Textual screens of rc-tui and their TCSS. Screens reach data only through the
service layer (``rc_tui.services``) and the unlocked ``Vault``; they never issue SQL."""
