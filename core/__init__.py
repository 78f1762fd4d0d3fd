"""genviz core: data, models, the training loop, checkpoints and metrics. No Qt here."""
