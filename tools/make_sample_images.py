"""Rebuild the composite samples in data/ from the CC0 photos there.

- ``cat_and_coffee.png`` (the multi-object sample): chelsea.png and coffee.png side by side on
  a white 512x512 square, so the standard resize and centre crop keeps both objects whole.
- ``cup_on_bricks.png`` (the object-in-a-scene sample for occlusion): the espresso cup of
  coffee.png, small and off-centre, on the brick texture of brick.png (tinted brick-red), as in
  Zeiler & Fergus' occlusion experiments, where the occluder has an object to find.
"""

from pathlib import Path

from PIL import Image, ImageOps

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

    bricks = ImageOps.colorize(Image.open(DATA / "brick.png").convert("L"), black=(40, 20, 15), white=(230, 170, 140)).resize((512, 512), Image.LANCZOS)
    side = round(512 * 0.4)
    cup = Image.open(DATA / "coffee.png").convert("RGB").crop((80, 10, 480, 400))
    cup = cup.resize((side, round(side * 390 / 400)), Image.LANCZOS)
    bricks.paste(cup, (320 - side // 2, 190 - cup.size[1] // 2))
    bricks.save(DATA / "cup_on_bricks.png")


if __name__ == "__main__":
    main()
