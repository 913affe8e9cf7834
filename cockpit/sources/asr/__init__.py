"""The streaming ASR smoke probe, one job per module.

`clip` (the reference WAV and its expected text) · `wer` (word error rate, word diff) ·
`result` (what a run found, how far a running one is) · `protocols` (vosk, deepgram,
generic framing) · `probe` (one run over the WebSocket, several at once) · `source`
(`AsrProbeSource`, the probe on a schedule).
"""
