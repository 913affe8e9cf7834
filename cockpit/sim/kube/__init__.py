"""A loopback Kubernetes API server with a scriptable cluster, for the demo and the tests.

It speaks the part of the REST API that the official `kubernetes` client and
`kubectl get -w` use: discovery, list of pods / deployments / replicasets / events
(namespaced and across namespaces, `labelSelector`, `resourceVersion` in the list
metadata), `?watch=1` streaming newline-delimited events of real object JSON from a
`resourceVersion`, `410 Gone` as an ERROR event carrying a Status (as the API server
sends it) when the version is too old, dropped connections, and `403` with a real
Status body. Objects are plain dicts shaped like the API server's JSON.

The cluster is driven from Python (`Cluster.create_deployment`, `rollout_step`,
`crashloop`, ...) or from the command line (`python -m cockpit.sim.kube --pods 5000
--churn 100`) for the benchmark and `cockpit demo`.

Modules: `objects` (shapes, times, Status bodies) · `selectors` (label and field
selectors) · `cluster` (objects, change log, faults, pods, events) · `controllers`
(deployments, replica sets, rollouts) · `server` (HTTP list/watch, `KubeSim`,
kubeconfig) · `cli` (churn and the command line).
"""
