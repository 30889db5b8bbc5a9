"""The reference document axis (Trục liên thông văn bản): a VXP-style API over its own SQLite.

For tests, demos and small pilots (``vanthu hub serve``). It shares ``node.edxml`` with the node and
nothing else (import-linter contract "hub imports node.edxml only").
"""
