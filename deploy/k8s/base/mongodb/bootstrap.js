// Initiate the replica set and create (or update) one MongoDB user per service.
// Idempotent: safe to run again after any change of members or password.
// Run by the mongodb-bootstrap Job with `mongosh --nodb --file bootstrap.js`.
const env = process.env;
const members = parseInt(env.MONGODB_MEMBERS, 10);
const host = (i) => `mongodb-${i}.${env.MONGODB_SERVICE}:27017`;
const hosts = [...Array(members).keys()].map(host);

function connectAdmin(h) {
  for (let attempt = 1; ; attempt++) {
    try {
      const conn = new Mongo(`mongodb://${h}/?directConnection=true&serverSelectionTimeoutMS=5000`);
      const admin = conn.getDB("admin");
      admin.auth(env.MONGODB_ROOT_USERNAME, env.MONGODB_ROOT_PASSWORD);
      return admin;
    } catch (e) {
      if (attempt >= 60) throw e;
      print(`waiting for ${h}: ${e.message}`);
      sleep(5000);
    }
  }
}

// Every member must be up (and have its root user) before the set is initiated.
hosts.forEach((h) => connectAdmin(h));
let admin = connectAdmin(hosts[0]);

// mongosh throws on some command errors and returns {ok: 0} on others.
function command(db, cmd) {
  try {
    return db.runCommand(cmd);
  } catch (e) {
    return { ok: 0, codeName: e.codeName, errmsg: e.message };
  }
}

const status = command(admin, { replSetGetStatus: 1 });
if (status.ok !== 1) {
  if (status.codeName !== "NotYetInitialized") {
    throw new Error(`replSetGetStatus: ${tojson(status)}`);
  }
  const config = { _id: "rs0", members: hosts.map((h, i) => ({ _id: i, host: h })) };
  print(`initiating rs0 with ${hosts.join(", ")}`);
  printjson(command(admin, { replSetInitiate: config }));
}

// Wait for a primary and talk to it through the replica set.
let primary;
for (let attempt = 1; ; attempt++) {
  const hello = command(connectAdmin(hosts[0]), { hello: 1 });
  if (hello.primary) { primary = hello.primary; break; }
  if (attempt >= 60) throw new Error("no primary after 5 minutes");
  print("waiting for a primary");
  sleep(5000);
}
admin = connectAdmin(primary);

// Add members the set does not have yet (scaling 1 -> 3); never removes any.
const cfg = command(admin, { replSetGetConfig: 1 }).config;
const known = new Set(cfg.members.map((m) => m.host));
const missing = hosts.filter((h) => !known.has(h));
if (missing.length) {
  let nextId = Math.max(...cfg.members.map((m) => m._id)) + 1;
  missing.forEach((h) => cfg.members.push({ _id: nextId++, host: h }));
  cfg.version += 1;
  print(`adding ${missing.join(", ")}`);
  printjson(command(admin, { replSetReconfig: cfg }));
}

// One user per service (MONGODB_USERS), each with readWrite on its own database
// (MONGODB_<USER>_DATABASE) and no other role: updating a user replaces its roles.
function ensureUser(prefix) {
  const user = env[`MONGODB_${prefix}_USERNAME`];
  const pwd = env[`MONGODB_${prefix}_PASSWORD`];
  const db = (env[`MONGODB_${prefix}_DATABASE`] || "").trim();
  if (!user || !pwd || !/^[A-Za-z0-9_]+$/.test(db)) {
    throw new Error(`MONGODB_${prefix}_USERNAME, _PASSWORD and _DATABASE (one database) must be set`);
  }
  const roles = [{ role: "readWrite", db }];
  if (admin.getUser(user)) {
    admin.updateUser(user, { pwd, roles }, { w: "majority" });
    print(`updated user ${user}: readWrite on ${db}`);
  } else {
    admin.createUser({ user, pwd, roles }, { w: "majority" });
    print(`created user ${user}: readWrite on ${db}`);
  }
}
env.MONGODB_USERS.split(",").map((p) => p.trim()).filter((p) => p).forEach(ensureUser);
