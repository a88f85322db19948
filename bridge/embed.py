#!/usr/bin/env python3
"""Turn a text asset into a C header holding it as one string constant.

usage: embed.py NAME INPUT OUTPUT

Lines are stripped of their indentation and joined without separators; a
/* */ comment block opening the file is left out, so the asset can say
what it is without that reaching the program's output."""
import sys


def main():
    name, src, dst = sys.argv[1:4]
    with open(src, encoding="utf-8") as f:
        lines = f.read().splitlines()
    if lines and lines[0].lstrip().startswith("/*"):
        while lines and not lines.pop(0).rstrip().endswith("*/"):
            pass
    text = "".join(line.strip() for line in lines)
    esc = text.replace("\\", "\\\\").replace('"', '\\"')
    with open(dst, "w", encoding="utf-8") as f:
        f.write(f"/* Generated from {src.rsplit('/', 1)[-1]} by embed.py. */\n")
        f.write(f'static const char {name}[] = "{esc}";\n')


if __name__ == "__main__":
    main()
