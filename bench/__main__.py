"""python -m bench [--quick] [--db sqlite|postgresql|both] [--only SECTION] [--rev REV]"""

import sys

from bench.run import main

sys.exit(main())
