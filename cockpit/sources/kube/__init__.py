"""The Kubernetes source, one job per module.

`targets` (which clusters and namespaces) · `watch` (one list-then-watch thread per
resource) · `objects` (API objects slimmed) · `store` (what the threads feed, thread-safe)
· `view` (the immutable `KubeView` the pane draws) · `signals` (readings from a view) ·
`happenings` (rollout and crash-loop changes as log events) · `source` (`KubeSource`).
"""
