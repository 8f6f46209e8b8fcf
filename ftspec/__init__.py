"""ftspec: make the meaning of a hyperparameter-search config explicit and checked before it runs."""

__version__ = "0.1.0"
