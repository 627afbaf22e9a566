"""The compiler: analysis (checks and facts), then the immutable state machine (IR)."""

from sce.compiler.analysis import Analysis, analyse
from sce.compiler.compile import compile_flow
from sce.compiler.ir import CompiledFlow, IRError, State

__all__ = ["Analysis", "CompiledFlow", "IRError", "State", "analyse", "compile_flow"]
