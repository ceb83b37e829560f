"""Running the flows: names and tags, starting a run now, the local runtime, and the server's deployments."""
