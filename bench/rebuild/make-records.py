#!/usr/bin/env python3
"""Writes an APV topic and a patches topic in the producers' format (wire-format.md) as kcat input:
one `key<TAB>value` line per record. N APVs, each followed by its patch lifecycle
(pending, validating, applied, merged) but every fiftieth left open (pending only).

    make-records.py N OUT_DIR      -> OUT_DIR/apv.tsv, OUT_DIR/patches.tsv
"""
import json
import os
import sys
from datetime import datetime, timedelta

n = int(sys.argv[1])
out = sys.argv[2]
os.makedirs(out, exist_ok=True)
t0 = datetime(2026, 1, 1)
details = ("A crafted request lets an attacker run code on the host. Versions before 2.0.1 are affected; "
           "upgrade, or block the endpoint at the proxy until then. ") * 6
with open(os.path.join(out, "apv.tsv"), "w") as apvs, open(os.path.join(out, "patches.tsv"), "w") as patches:
    for i in range(n):
        cve = "CVE-2026-%06d" % i
        at = t0 + timedelta(seconds=i)
        ts = at.isoformat() + ".123456"
        apv = {
            "cve_id": cve, "aliases": ["GHSA-%04x-%04x" % (i % 65536, (i * 7) % 65536)], "published": ts,
            "modified": ts, "processed_at": ts, "summary": "Remote code execution in example-lib " + cve,
            "details": details,
            "cvss": {"version": "3.1", "base_score": 9.8, "severity": "CRITICAL",
                     "vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
            "priority": ["critical", "high", "medium", "low"][i % 4],
            "affected_packages": [{"ecosystem": "PyPI", "name": "example-lib", "affected_versions": ["1.9", "2.0"],
                                   "fixed_versions": ["2.0.1"]}],
            "ast_grep_patterns": [], "recommended_strategy": "dependency_upgrade", "remediation_complexity": "low",
            "remediation_notes": "Upgrade example-lib to 2.0.1.",
            "maximus_context": {"affected_services": ["payments-api", "svc-%d" % (i % 40)]},
            "source_feed": "OSV.dev", "oraculo_version": "1.0.0", "is_critical": i % 4 == 0,
            "requires_immediate_action": i % 4 == 0, "has_automated_fix": True,
            "affected_services": ["payments-api", "svc-%d" % (i % 40)],
            "_published_at": ts, "_publisher": "maximus_oraculo"}
        apvs.write(cve + "\t" + json.dumps(apv, separators=(",", ":")) + "\n")
        pid = "patch-%s-%s" % (cve, at.strftime("%Y%m%d-%H%M%S"))
        steps = ["pending"] if i % 50 == 0 else ["pending", "validating", "applied", "merged"]
        for k, status in enumerate(steps):
            st = (at + timedelta(minutes=k + 1)).isoformat() + ".000001"
            msg = {"apv": None,
                   "patch": {"patch_id": pid, "cve_id": cve, "strategy_used": "dependency_upgrade",
                             "diff_content": "--- a/requirements.txt\n+++ b/requirements.txt\n@@ -1 +1 @@\n"
                                             "-example-lib==2.0\n+example-lib==2.0.1\n",
                             "files_modified": ["requirements.txt"], "confidence_score": 0.93, "generated_at": st,
                             "validation_passed": status != "pending",
                             "pr_url": "https://git.example.com/payments/pull/%d" % i if status in ("applied", "merged") else None},
                   "status": status, "started_at": st, "strategy_attempts": ["dependency_upgrade"]}
            patches.write(cve + "\t" + json.dumps(msg, separators=(",", ":")) + "\n")
