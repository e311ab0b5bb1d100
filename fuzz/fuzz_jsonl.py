"""atheris fuzz target: the jsonl input. Run by `make fuzz`; by hand:
`.venv/bin/python fuzz/fuzz_jsonl.py build/fuzz/jsonl fuzz/corpus/jsonl -max_total_time=60 -max_len=4096`."""

import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
with atheris.instrument_imports(include=["flashdigest"]):
    from fuzz.targets import fuzz_jsonl

if __name__ == "__main__":
    atheris.Setup(sys.argv, fuzz_jsonl)
    atheris.Fuzz()
