"""``make audit``: pip-audit on this environment, real findings (exit 1) told apart from an unreachable or incomplete
advisory service (a clear note, exit 0). Run as ``python -m kpidash audit``."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

AUDIT_ARGS = ["--skip-editable", "--local", "--vulnerability-service", "pypi", "--progress-spinner", "off"]


def summarise_audit(returncode: int, report_json: str | None, stderr: str) -> tuple[int, str]:
    """Turn one pip-audit run into (exit code, message): 1 only for real findings.

    ``report_json`` is pip-audit's ``--format json`` output (None or empty when it wrote none, e.g. the advisory
    service was unreachable). Packages pip-audit could not look up are listed, never reported as "no findings".
    """
    report: dict[str, Any] | None = None
    if report_json:
        try:
            report = json.loads(report_json)
        except json.JSONDecodeError:
            report = None
    if report is None:
        last = next((line.strip() for line in reversed(stderr.splitlines()) if line.strip()), "no output")
        return 0, (
            "audit: NOT DONE — pip-audit could not query the vulnerability service (PyPI advisory data).\n"
            f"  cause: {last[:300]}\n"
            "  Nothing was checked; run `make audit` again where https://pypi.org is reachable."
        )
    deps = report.get("dependencies", [])
    findings = [(d["name"], d.get("version", "?"), v) for d in deps for v in d.get("vulns", [])]
    skipped = [d for d in deps if d.get("skip_reason") and "editable" not in d["skip_reason"]]
    audited = [d for d in deps if not d.get("skip_reason")]
    lines = [f"audit: {len(audited)} package(s) checked against PyPI's advisory data, {len(skipped)} not checked."]
    if skipped:
        reasons: dict[str, list[str]] = {}
        for d in skipped:
            reason = str(d["skip_reason"]).split(":")[0]
            reasons.setdefault(reason, []).append(d["name"])
        for reason, names in reasons.items():
            lines.append(f"  not checked ({reason}): {', '.join(names)}")
        if not audited:
            lines.append("  NOTE: no package could be checked, so this is NOT evidence of zero vulnerabilities.")
    if findings:
        lines.append(f"  {len(findings)} known vulnerability(ies):")
        for name, version, v in findings:
            fixes = ", ".join(v.get("fix_versions") or []) or "no fixed version yet"
            lines.append(f"    - {name} {version}: {v.get('id')} (fixed in: {fixes})")
        return 1, "\n".join(lines)
    if audited:
        lines.append(f"  no known vulnerability in the {len(audited)} package(s) checked.")
    if returncode not in (0, 1):
        lines.append(f"  (pip-audit exited with {returncode}: {stderr.strip()[-300:]})")
    return 0, "\n".join(lines)


def run_audit(extra_args: list[str] | None = None) -> int:
    """Run pip-audit on this environment and print a summary; the return value is the exit code."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        cmd = [sys.executable, "-m", "pip_audit", *AUDIT_ARGS, "--format", "json", "--output", str(out)]
        try:
            proc = subprocess.run([*cmd, *(extra_args or [])], capture_output=True, text=True, timeout=600, check=False)
        except subprocess.TimeoutExpired:
            print("audit: NOT DONE — pip-audit did not finish within 10 minutes (network?).", file=sys.stderr)
            return 0
        report = out.read_text(encoding="utf-8") if out.exists() else None
        code, message = summarise_audit(proc.returncode, report, proc.stderr)
    print(message, file=sys.stderr if code else sys.stdout)
    return code
