import { createReadStream } from 'node:fs';
import { OSMTransform } from 'osm-pbf-parser-node';
import {
  defaultSpeedKmh,
  isClosedToTrucks,
  onewayDirection,
  parseMaxspeedKmh,
  roadClassIndex,
  roadClassName,
} from './road-classes.js';
import { EDGE_TUNNEL, NODE_SIGNALS, type RoadNetworkDraft } from './road-graph.js';

interface OsmNode {
  type: 'node';
  id: number;
  lat: number;
  lon: number;
  tags?: Record<string, string>;
}
interface OsmWay {
  type: 'way';
  id: number;
  refs: number[];
  tags?: Record<string, string>;
}
type OsmItem = OsmNode | OsmWay | { type: 'relation' } | Record<string, unknown>;

const WAY_TAGS = ['highway', 'maxspeed', 'oneway', 'junction', 'access', 'motor_vehicle', 'area', 'tunnel', 'name'];

export interface PbfReadStats {
  osmNodes: number;
  osmWays: number;
  drivableWays: number;
  missingNodeRefs: number;
}

/**
 * Streams an .osm.pbf once and keeps the drivable ways as a directed network draft (one graph node per OSM node a
 * kept way uses, shape points included, so routes follow the real road geometry).
 */
export async function readDrivableNetwork(path: string): Promise<{ draft: RoadNetworkDraft; stats: PbfReadStats }> {
  // Nodes precede ways in a sorted extract, but coordinates are resolved after the whole file so order never matters.
  const nodeSlot = new Map<number, number>();
  const nodeLat: number[] = [];
  const nodeLon: number[] = [];
  const signals = new Set<number>();
  const ways: OsmWay[] = [];
  const stats: PbfReadStats = { osmNodes: 0, osmWays: 0, drivableWays: 0, missingNodeRefs: 0 };

  const stream = createReadStream(path).pipe(
    new OSMTransform({ withTags: { node: ['highway'], way: WAY_TAGS, relation: false }, withInfo: false }),
  );
  for await (const batch of stream as AsyncIterable<OsmItem[]>) {
    for (const item of batch) {
      if (item.type === 'node') {
        const node = item as OsmNode;
        stats.osmNodes++;
        nodeSlot.set(node.id, nodeLat.length);
        nodeLat.push(node.lat);
        nodeLon.push(node.lon);
        if (node.tags?.highway === 'traffic_signals') signals.add(node.id);
      } else if (item.type === 'way') {
        const way = item as OsmWay;
        stats.osmWays++;
        const tags = way.tags;
        if (!tags || roadClassIndex(tags.highway) < 0 || isClosedToTrucks(tags) || way.refs.length < 2) continue;
        ways.push(way);
      }
    }
  }

  const draft: RoadNetworkDraft = { source: 'osm', lat: [], lon: [], nodeFlags: [], edges: [], names: [] };
  const graphIndex = new Map<number, number>();
  const nameIndex = new Map<string, number>();
  const nodeFor = (osmId: number): number => {
    let g = graphIndex.get(osmId);
    if (g !== undefined) return g;
    const slot = nodeSlot.get(osmId);
    if (slot === undefined) return -1;
    g = draft.lat.length;
    graphIndex.set(osmId, g);
    draft.lat.push(nodeLat[slot]!);
    draft.lon.push(nodeLon[slot]!);
    draft.nodeFlags.push(signals.has(osmId) ? NODE_SIGNALS : 0);
    return g;
  };

  for (const way of ways) {
    const tags = way.tags!;
    const direction = onewayDirection(tags);
    if (direction === 'skip') continue;
    stats.drivableWays++;
    const roadClass = roadClassIndex(tags.highway);
    const speedMps = (parseMaxspeedKmh(tags.maxspeed) ?? defaultSpeedKmh(roadClassName(roadClass))) / 3.6;
    const flags = tags.tunnel !== undefined && tags.tunnel !== 'no' ? EDGE_TUNNEL : 0;
    let name = -1;
    if (tags.name) {
      name = nameIndex.get(tags.name) ?? -1;
      if (name < 0) {
        name = draft.names.length;
        nameIndex.set(tags.name, name);
        draft.names.push(tags.name);
      }
    }
    let previous = nodeFor(way.refs[0]!);
    if (previous < 0) stats.missingNodeRefs++;
    for (let i = 1; i < way.refs.length; i++) {
      const current = nodeFor(way.refs[i]!);
      if (current < 0) stats.missingNodeRefs++;
      if (previous >= 0 && current >= 0) {
        const edge = { speedMps, roadClass, flags, name };
        if (direction !== 'backward') draft.edges.push({ from: previous, to: current, ...edge });
        if (direction !== 'forward') draft.edges.push({ from: current, to: previous, ...edge });
      }
      previous = current;
    }
  }
  return { draft, stats };
}
