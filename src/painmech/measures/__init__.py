"""Raw observations to metrics, one module per protocol family."""
