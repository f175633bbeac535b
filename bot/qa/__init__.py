"""Question answering over the index: answer-type cues, the rerank they drive, and the
composed answer (quotes or a decline)."""
