"""dmm_edu: adversarial examples through the Dimpled Manifold Model, as a textbook package.

`import dmm_edu` is kept light: it imports numpy only. The torch track, the plots and the
animations are imported by the parts that need them.
"""

import time as _time

__version__ = "0.1.0"
IMPORTED_AT = _time.time()  #: when this process imported dmm_edu: a source file edited later may be stale in memory
