"""What the file SMS backend wrote, read back: one JSON line per message."""

import json
from collections import Counter
from pathlib import Path


def sms_lines(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def sends_per_reference(path: Path) -> Counter[str]:
    return Counter(line["id"].split(":")[0] for line in sms_lines(path))
