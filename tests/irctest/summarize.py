"""Per-module pass/fail/skip table (Markdown) from an irctest JUnit XML file.

    tests/irctest/run.sh --junitxml=/tmp/irctest.xml
    python3 tests/irctest/summarize.py /tmp/irctest.xml
"""

import collections
import sys
import xml.etree.ElementTree as ET


def main(path: str) -> None:
    counts = collections.defaultdict(collections.Counter)
    skips = collections.Counter()
    for case in ET.parse(path).getroot().iter("testcase"):
        module = case.get("classname", "").split(".")
        # irctest.server_tests.<module>.<Class> (chmodes/umodes are packages)
        name = ".".join(module[2:-1]) or "?"
        if case.find("failure") is not None or case.find("error") is not None:
            outcome = "failed"
        elif case.find("skipped") is not None:
            skipped = case.find("skipped")
            if skipped.get("type") == "pytest.xfail":
                outcome = "xfail"
            else:
                outcome = "skipped"
                skips[skipped.get("message", "").strip()] += 1
        else:
            outcome = "passed"
        counts[name][outcome] += 1
    total = collections.Counter()
    print("| module | passed | failed | skipped |")
    print("| --- | ---: | ---: | ---: |")
    for name in sorted(counts):
        c = counts[name]
        total.update(c)
        print(f"| {name} | {c['passed']} | {c['failed']} | {c['skipped']} |")
    print(f"| **all** | **{total['passed']}** | **{total['failed']}** | **{total['skipped']}** |")
    print()
    print("| skipped because | tests |")
    print("| --- | ---: |")
    for reason, n in skips.most_common():
        print(f"| {reason} | {n} |")


if __name__ == "__main__":
    main(sys.argv[1])
