#!/usr/bin/env python3
"""Renders a `tmux capture-pane -e -p` capture (text with SGR colour escapes) to a PNG.

Usage: ansi2png.py CAPTURE.ans OUT.png COLUMNS ROWS
Needs Pillow (pip install pillow) and DejaVu Sans Mono (Debian's fonts-dejavu-core).
"""
import re
import sys

from PIL import Image, ImageDraw, ImageFont

BASIC = [(0, 0, 0), (205, 49, 49), (13, 188, 121), (229, 229, 16), (36, 114, 200), (188, 63, 188), (17, 168, 205), (229, 229, 229)]
BRIGHT = [(102, 102, 102), (241, 76, 76), (35, 209, 139), (245, 245, 67), (59, 142, 234), (214, 112, 214), (41, 184, 219), (255, 255, 255)]
FG, BG = (204, 204, 204), (24, 24, 28)


def xterm256(n):
    if n < 8:
        return BASIC[n]
    if n < 16:
        return BRIGHT[n - 8]
    if n < 232:
        n -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[n // 36], steps[(n // 6) % 6], steps[n % 6])
    v = 8 + (n - 232) * 10
    return (v, v, v)


def main():
    src, out, cols, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    text = open(src, encoding="utf-8", errors="replace").read()
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 15)
    bold = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf", 15)
    cw = int(round(font.getlength("M")))
    ch = 19
    img = Image.new("RGB", (cols * cw + 16, rows * ch + 16), BG)
    draw = ImageDraw.Draw(img)
    for y, line in enumerate(text.split("\n")[:rows]):
        fg, bg, is_bold, dim, rev = FG, None, False, False, False
        x = 0
        for token in re.split(r"(\x1b\[[0-9;]*m)", line):
            if token.startswith("\x1b["):
                codes = [int(c) if c else 0 for c in token[2:-1].split(";")]
                i = 0
                while i < len(codes):
                    c = codes[i]
                    if c == 0:
                        fg, bg, is_bold, dim, rev = FG, None, False, False, False
                    elif c == 1:
                        is_bold = True
                    elif c == 2:
                        dim = True
                    elif c == 7:
                        rev = True
                    elif c == 22:
                        is_bold = dim = False
                    elif c == 27:
                        rev = False
                    elif 30 <= c <= 37:
                        fg = BASIC[c - 30]
                    elif 90 <= c <= 97:
                        fg = BRIGHT[c - 90]
                    elif 40 <= c <= 47:
                        bg = BASIC[c - 40]
                    elif 100 <= c <= 107:
                        bg = BRIGHT[c - 100]
                    elif c == 39:
                        fg = FG
                    elif c == 49:
                        bg = None
                    elif c in (38, 48) and i + 2 < len(codes) and codes[i + 1] == 5:
                        col = xterm256(codes[i + 2])
                        if c == 38:
                            fg = col
                        else:
                            bg = col
                        i += 2
                    i += 1
                continue
            for char in token:
                f, b = (fg, bg)
                if rev:
                    f, b = (bg or BG), fg
                if dim:
                    f = tuple(int(v * 0.55 + BG[i] * 0.45) for i, v in enumerate(f))
                px, py = 8 + x * cw, 8 + y * ch
                if b is not None:
                    draw.rectangle([px, py, px + cw - 1, py + ch - 1], fill=b)
                if char != " ":
                    draw.text((px, py + 1), char, font=bold if is_bold else font, fill=f)
                x += 1
    img.save(out)


if __name__ == "__main__":
    main()
