# Stand-in for the pip bootstrap script ansible-test downloads: installs pip from the
# interpreter's bundled wheel (ensurepip), then runs pip with the arguments ansible-test gave.
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + args)
