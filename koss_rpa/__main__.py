from koss_rpa.cli import main

raise SystemExit(main())
