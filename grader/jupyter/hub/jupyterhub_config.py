"""JupyterHub's configuration for `make hub` (grader/hub.py writes the settings it reads: $COURSE_HUB_SETTINGS).

Students log in with their system account's password (JupyterHub's PAM authenticator) and get a server that runs
as their own account, on the learner environment (the kit: no solutions, no hidden cases), in their home folder,
with nbgrader's Assignments tab. Instructors get the instructor environment in the course folder, with formgrader.
"""
import json
import os

c = get_config()  # noqa: F821  (traitlets provides it)
hub = json.load(open(os.environ["COURSE_HUB_SETTINGS"]))

c.JupyterHub.bind_url = hub["url"]
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = hub["hub_port"]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{hub['proxy_api_port']}"
c.ConfigurableHTTPProxy.command = [hub["proxy"]]
c.JupyterHub.db_url = "sqlite:///" + os.path.join(hub["folder"], "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(hub["folder"], "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = os.path.join(hub["folder"], "jupyterhub.pid")

c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set(hub["students"]) | set(hub["instructors"])
c.Authenticator.admin_users = set(hub["instructors"])

c.JupyterHub.spawner_class = "localprocess"
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.start_timeout = c.Spawner.http_timeout = 120
LEARNER_PATH = os.path.dirname(hub["learner_python"]) + ":/usr/local/bin:/usr/bin:/bin"
c.Spawner.cmd = [hub["learner_python"], "-m", "jupyterhub.singleuser"]
c.Spawner.environment = {"JUPYTER_CONFIG_PATH": hub["learner_config"], "PATH": LEARNER_PATH}


def pre_spawn_hook(spawner):
    """An instructor's server: the course's own environment and folder, formgrader included."""
    if spawner.user.name in hub["instructors"]:
        spawner.cmd = [hub["instructor_python"], "-m", "jupyterhub.singleuser"]
        spawner.notebook_dir = hub["course"]
        spawner.environment = {"JUPYTER_CONFIG_PATH": hub["instructor_config"],
                               "PATH": os.path.dirname(hub["instructor_python"]) + ":/usr/local/bin:/usr/bin:/bin"}


c.Spawner.pre_spawn_hook = pre_spawn_hook

# The course's own service account: `make hub`'s tests and scripts start servers and read users through the REST API.
# The grading service (grader/hub.py: serve): grades each submission as it arrives in the exchange, as root, with
# the same sandboxed pipeline as `make autograde` (nbgrader runs alembic by name: the environment's bin comes first).
c.JupyterHub.services = [
    {"name": "course-admin", "api_token": hub["api_token"]},
    {"name": "course-grader", "command": hub["grader_command"], "cwd": hub["folder"],
     "environment": {"PYTHONPATH": hub["grader_path"],
                     "PATH": hub["grader_bin"] + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
]
c.JupyterHub.load_roles = [{"name": "course-admin", "services": ["course-admin"],
                            "scopes": ["admin:users", "admin:servers", "access:servers", "tokens", "read:hub"]}]
