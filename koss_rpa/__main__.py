from koss_rpa.entry import main

raise SystemExit(main())
