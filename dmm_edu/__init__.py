"""dmm_edu: adversarial examples through the Dimpled Manifold Model, as a textbook package.

`import dmm_edu` is kept light: it imports numpy only. The torch track, the plots and the
animations are imported by the parts that need them.
"""

__version__ = "0.1.0"
