from services.sandbox.cli import main

main()
