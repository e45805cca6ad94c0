#!/usr/bin/env python3
"""Regenerates test/fixtures/generated/ from test/fixtures/scenarios-extra.json with the workplace's transcript
generator (../shared/tools/ssm-transcripts.py; needs root, bash, util-linux script, unshare and setpriv).
Each session runs on its own so one disagreement between scenario and shell does not stop the others."""
import json, os, subprocess, sys, tempfile

def run_tool(scenario_file, outdir):
    """Runs the generator in-process. Sessions marked "fastTyping" skip the per-key pause (for 50,000 typed keys)."""
    import importlib.util, time
    spec = importlib.util.spec_from_file_location("ssm_transcripts", tool)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if json.load(open(scenario_file))["sessions"][0].get("fastTyping"):
        slow_type = mod.Session.type
        def fast_type(self, keys):
            if "\n" in keys[:-1] or "{" in keys:
                return slow_type(self, keys)
            for ch in keys[:-1]:
                os.write(self.fd, ch.encode())
                self.vt += mod.timedelta(milliseconds=self.rnd.randint(60, 220))
                self.drain(0.001, limit=0.02)
            self.drain(0.5, limit=5)
            slow_type(self, keys[-1:])
        mod.Session.type = fast_type
        # the generator polls with a 50 ms timeout; a typed key's echo comes back in well under 2 ms
        import select as real_select, types
        mod.select = types.SimpleNamespace(select=lambda r, w, x, t: real_select.select(r, w, x, min(t, 0.002)))
    sys.argv = [tool, scenario_file, outdir]
    mod.main()


root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
tool = os.environ.get("SSM_TRANSCRIPTS", os.path.join(root, "..", "shared", "tools", "ssm-transcripts.py"))
if sys.argv[1:2] == ["--one"]:
    run_tool(sys.argv[2], sys.argv[3])
    sys.exit(0)
scenarios = json.load(open(os.path.join(root, "test/fixtures/scenarios-extra.json")))
out = os.path.join(root, "test/fixtures/generated")
only = set(sys.argv[1:])
os.makedirs(out, exist_ok=True)
failed = 0
for s in scenarios["sessions"]:
    if only and s["sessionId"] not in only:
        continue
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({"logGroup": scenarios["logGroup"], "sessions": [s]}, f)
    r = subprocess.run([sys.executable, __file__, "--one", f.name, out], capture_output=True, text=True)
    os.unlink(f.name)
    print(f"{s['sessionId']}: {'ok' if r.returncode == 0 else 'FAILED'}\n{r.stderr.strip()}", file=sys.stderr)
    failed += r.returncode != 0
sys.exit(1 if failed else 0)
