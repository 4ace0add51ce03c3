"""Write data/CREDITS.md from data/credits.json (run after editing the credits)."""

from pathlib import Path

from cnnviz_lab.images.credits import credits_markdown

if __name__ == "__main__":
    path = Path(__file__).resolve().parent.parent / "data" / "CREDITS.md"
    path.write_text(credits_markdown(), encoding="utf-8")
    print(f"wrote {path}")
