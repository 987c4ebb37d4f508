"""The shared kernel of the domain: what every service's domain may import (no infrastructure)."""
