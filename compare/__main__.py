from compare.cli.main import main
from compare.exits import leave

if __name__ == "__main__":
    leave(main())
