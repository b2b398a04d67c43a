"""The domain core stands on its own: nothing outside ui/ pulls in Streamlit."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import consult_coder


def test_core_modules_never_import_streamlit():
    core = sorted(m.name for m in pkgutil.walk_packages(consult_coder.__path__, "consult_coder.")
                  if ".ui" not in m.name and ".migrations." not in m.name and not m.name.endswith("__main__"))
    assert "consult_coder.coding" in core and "consult_coder.export.docx_report" in core
    probe = ("import importlib, sys\n"
             f"for name in {core!r}: importlib.import_module(name)\n"
             "print('streamlit' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
