from rc_tui.cli import main

raise SystemExit(main())
