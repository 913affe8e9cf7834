"""`python -m cockpit.sim.kube`: see `cockpit.sim.kube.cli`."""

from cockpit.sim.kube.cli import main

main()
