"""Private helpers shared by painmech's subpackages."""
