import sys

from incident_tui.cli import main

sys.exit(main())
