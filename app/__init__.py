"""bindspace's HTTP service, settings and command line."""
