import { App } from "cdktf";
import { ENVIRONMENT_NAMES, environmentSettings, stateBootstrapSettings } from "./stacks/environments";
import { FanoutStack } from "./stacks/fanout-stack";
import { StateBootstrapStack } from "./stacks/state-bootstrap-stack";

const app = new App();
for (const name of ENVIRONMENT_NAMES) {
  new FanoutStack(app, `order-fanout-${name}`, { settings: environmentSettings(name) });
}
new StateBootstrapStack(app, "state-bootstrap", stateBootstrapSettings());
app.synth();
