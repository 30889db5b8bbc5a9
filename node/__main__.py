from node.cli import main

if __name__ == "__main__":  # not when a spawned child (a register book job) imports the main module
    main()
