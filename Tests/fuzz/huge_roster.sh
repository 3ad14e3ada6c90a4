#!/bin/sh
# Loads a generated 50 MB roster with the release CLI and checks it takes under a minute.
# Usage: Tests/fuzz/huge_roster.sh   (from the package root; builds the release tandem)
set -eu
swift build -c release --product tandem >/dev/null
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/Content"
python3 - "$dir/Content/roster.yaml" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("participants:\n")
    size, i = 0, 0
    while size < 50_000_000:
        item = (f"  - id: person-{i}\n    name: Person Number {i}\n    email: person.{i}@example.com\n"
                f"    department: Department {i % 40}\n    team: Team {i % 300}\n    location: City {i % 25}\n"
                f"    timezone: Europe/London\n    seniority: {i % 8}\n    programs: []\n"
                f"    skills: [skill {i % 50}, skill {(i * 7) % 50}]\n    goals: [skill {(i * 3) % 50}]\n")
        f.write(item)
        size += len(item)
        i += 1
PY
ls -l "$dir/Content/roster.yaml"
start=$(date +%s)
.build/release/tandem check "$dir"
seconds=$(( $(date +%s) - start ))
echo "50 MB roster checked in ${seconds} s"
[ "$seconds" -lt 60 ]
