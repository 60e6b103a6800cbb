/**
 * The small part of clipper-lib 6.4 (Angus Johnson's Clipper, ported to JavaScript) that ocrdet uses:
 * polygon offsetting for DB post-processing's "unclip". The package ships no types.
 * Coordinates are integers (Clipper works in integer space).
 */
declare module 'clipper-lib' {
  namespace ClipperLib {
    interface IntPoint {
      X: number;
      Y: number;
    }
    type Path = IntPoint[];
    type Paths = Path[];

    const JoinType: { readonly jtSquare: 0; readonly jtRound: 1; readonly jtMiter: 2 };
    const EndType: {
      readonly etOpenSquare: 0;
      readonly etOpenRound: 1;
      readonly etOpenButt: 2;
      readonly etClosedLine: 3;
      readonly etClosedPolygon: 4;
    };

    class ClipperOffset {
      /** miterLimit defaults to 2, arcTolerance to 0.25 (as pyclipper's PyclipperOffset). */
      constructor(miterLimit?: number, arcTolerance?: number);
      AddPath(path: Path, joinType: number, endType: number): void;
      AddPaths(paths: Paths, joinType: number, endType: number): void;
      /** Fills `solution` with the offset polygons; `delta` > 0 grows them. */
      Execute(solution: Paths, delta: number): void;
      Clear(): void;
    }
  }
  export default ClipperLib;
}
