from tribescope.cli import main

main()
