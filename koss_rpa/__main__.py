from koss_rpa.cli.entry import main

raise SystemExit(main())
