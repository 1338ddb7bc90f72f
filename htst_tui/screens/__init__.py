"""Textual screens. They call services (through `self.app.ctx`), run slow work in workers, never SQL."""
