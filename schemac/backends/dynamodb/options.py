"""DynamoDB's build options: the shared ones and the billing mode."""

from __future__ import annotations

from typing import Literal

from schemac.backends import BuildOptions


class Options(BuildOptions):
    billing: Literal["PAY_PER_REQUEST", "PROVISIONED"] = "PAY_PER_REQUEST"
