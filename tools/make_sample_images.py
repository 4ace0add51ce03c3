"""Rebuild data/cat_and_coffee.png, the multi-object sample, from chelsea.png and coffee.png.

Both halves sit side by side on a white 512x512 square, so the standard resize and centre
crop keeps both objects whole.
"""

from pathlib import Path

from PIL import Image

DATA = Path(__file__).resolve().parent.parent / "data"


def main() -> None:
    cat = Image.open(DATA / "chelsea.png").convert("RGB").crop((20, 0, 340, 300))
    cup = Image.open(DATA / "coffee.png").convert("RGB").crop((80, 10, 480, 400))
    side = 240
    cat = cat.resize((side, round(side * 300 / 320)), Image.LANCZOS)
    cup = cup.resize((side, round(side * 390 / 400)), Image.LANCZOS)
    canvas = Image.new("RGB", (512, 512), "white")
    canvas.paste(cat, (256 - side - 4, (512 - cat.size[1]) // 2))
    canvas.paste(cup, (260, (512 - cup.size[1]) // 2))
    canvas.save(DATA / "cat_and_coffee.png")


if __name__ == "__main__":
    main()
