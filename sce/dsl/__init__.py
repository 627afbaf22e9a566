"""The flow DSL: a lark grammar (`flow.lark`), a parser to flow data, and a printer back."""

from sce.dsl.comments import Comments
from sce.dsl.parser import ParsedDsl, parse_dsl
from sce.dsl.printer import print_dsl

__all__ = ["Comments", "ParsedDsl", "parse_dsl", "print_dsl"]
